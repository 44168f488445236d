// A multiprocessing SimpleQueue whose close() only stops put and empty: get goes on
// handing out the items already queued (the closed-check forgotten in one method).
import { PythonError } from "../../../reference/implementation.js";
import { checkPicklable } from "../../../reference/pickle.js";
import { brokenModule, call, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "SimpleQueue",
  base: "Queue",
  wrap: (inner) => {
    let closed = false; // per attached instance, like the reference's close()
    const check = () => {
      if (closed) throw new PythonError("OSError", "handle is closed");
    };
    return forward(inner, {
      put: (item: unknown) => {
        checkPicklable(item); // as multiprocessing.SimpleQueue.put: pickled first, also on a closed queue
        check();
        return call(inner, "put", item);
      },
      get: () => call(inner, "get"),
      empty: () => {
        check();
        return call(inner, "empty");
      },
      close: () => {
        closed = true;
      },
    });
  },
});
export const { primitives, profiles, create, attach } = m;
