"""Activity sheets in the 附件1 layout (渭南市全国科普日活动项目汇总表): bulk import with a per-row
report, and export of the same table. :mod:`.layout` declares the columns once for both directions."""
