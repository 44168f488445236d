/** Word indices of the worker's `exclusion` counters, shared by the worker and the tests. */
export const INSIDE = 0;
export const MAX = 1;
export const COUNTER = 2;
export const READY = 3;
