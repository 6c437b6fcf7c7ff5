SELECT status AS value, count(*) AS count
FROM shop.orders
WHERE (created_at >= :ds_1) AND status IS NOT NULL AND (status NOT IN (:param_1, :param_2, :param_3)) GROUP BY status ORDER BY count DESC, value
 LIMIT :param_4
