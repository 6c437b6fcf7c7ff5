SELECT order_id, sku, count(*) AS count
FROM shop.order_items
WHERE order_id IS NOT NULL AND sku IS NOT NULL GROUP BY order_id, sku
HAVING count(*) > 1 ORDER BY count DESC, order_id, sku
 LIMIT :param_1
