SELECT coalesce(sum(dup.n - 1), 0) AS coalesce_1
FROM (SELECT count(*) AS n
FROM shop.order_items
WHERE order_id IS NOT NULL AND sku IS NOT NULL GROUP BY order_id, sku
HAVING count(*) > 1) AS dup
