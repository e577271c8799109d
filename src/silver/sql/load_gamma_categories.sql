-- CategoryDim from the new gamma_categories files (Gamma tags): the newest snapshot of each tag
-- id wins; a tag seen for the first time gets the next surrogate id.
-- Input: view new_gamma_categories.

CREATE OR REPLACE TEMP TABLE batch_categories AS
SELECT coalesce(d.category_id,
                (SELECT coalesce(max(category_id), 0) FROM CategoryDim)
                  + row_number() OVER (PARTITION BY d.category_id IS NULL ORDER BY n.id))
         AS category_id,
       n.id AS gamma_tag_id, n.label, n.slug, n.force_show, n.force_hide, n.is_carousel,
       n.parent_category, n.created_at::TIMESTAMP AS created_at,
       n.updated_at::TIMESTAMP AS updated_at, n._fetched_at::TIMESTAMP AS snapshot_at
FROM (SELECT * FROM new_gamma_categories WHERE id IS NOT NULL
      QUALIFY row_number() OVER (PARTITION BY id ORDER BY _fetched_at DESC, _run_id DESC) = 1) n
LEFT JOIN CategoryDim d ON d.gamma_tag_id = n.id;

MERGE INTO CategoryDim d USING batch_categories b ON d.gamma_tag_id = b.gamma_tag_id
WHEN MATCHED AND b.snapshot_at >= d.snapshot_at THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;
