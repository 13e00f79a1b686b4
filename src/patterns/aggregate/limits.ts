/** The fanout a tree may have: the tool's schema states it, so it loads without the engine (sketches). */
export const MIN_FANOUT = 2;
export const MAX_FANOUT = 256;
