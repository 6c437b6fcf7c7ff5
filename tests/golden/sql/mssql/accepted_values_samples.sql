SELECT TOP 5 status AS value, count(*) AS count
FROM shop.orders
WHERE (created_at >= :ds_1) AND status IS NOT NULL AND (status NOT IN (:param_2, :param_3, :param_4)) GROUP BY status ORDER BY count DESC, value
