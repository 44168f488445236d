// A JoinableQueue whose join returns at once, without waiting for task_done.
import { brokenModule, forward } from "./wrap.js";

const METHODS = ["put", "get", "put_nowait", "get_nowait", "qsize", "empty", "full", "close", "task_done", "join", "join_thread", "cancel_join_thread"];

const m = brokenModule({
  primitive: "JoinableQueue",
  wrap: (inner) => forward(inner, METHODS, { join: () => null }),
});
export const { primitives, profiles, create, attach } = m;
