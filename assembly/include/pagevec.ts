// include/linux/pagevec.h: the per-CPU batches of pages (mm/swap.ts's LRU batch, mm/mlock.ts's).

/** FOLIO_BATCH_SIZE (PAGEVEC_SIZE): pages a batch holds before it is done. */
@inline export const FOLIO_BATCH_SIZE: u32 = 31;
