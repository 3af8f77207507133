-- Reserved: the number of another branch's migration, kept free so that this branch's 0015
-- applies in order. The lead deletes this file at merge (the real documents lands there).
SELECT 1;
