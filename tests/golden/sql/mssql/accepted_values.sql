SELECT count(CASE WHEN (status IS NOT NULL AND (status NOT IN (:param_1, :param_2, :param_3))) THEN 1 END) AS m0
FROM shop.orders
WHERE (created_at >= :ds_1)
