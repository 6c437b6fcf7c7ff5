SELECT count(*) AS `m0`, count(`customer_id`) AS `m1`, count(`id`) AS `m2`, count(DISTINCT `id`) AS `m3`, count(CASE WHEN (`status` IS NOT NULL AND (`status` NOT IN (:param_1, :param_2, :param_3))) THEN 1 END) AS `m4`, (avg(amount)) AS `m5`, max(`updated_at`) AS `m6`
FROM `shop`.`orders`
WHERE (created_at >= :ds_1)
