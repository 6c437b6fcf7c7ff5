SELECT max(updated_at) AS m0
FROM shop.orders
WHERE (created_at >= :ds_1)
