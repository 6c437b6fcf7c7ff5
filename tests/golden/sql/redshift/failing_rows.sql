SELECT failing.*, COUNT(*) OVER () AS dqcheck_total_rows__ FROM (SELECT id, amount FROM shop.orders WHERE amount < 0 AND created_at >= :ds_1
) AS failing LIMIT 5
