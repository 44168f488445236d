// A Lock that differs from CPython's only in a way its docs allow: releasing an unlocked lock
// raises the documented ValueError, worded its own way. Conformant at the documented level,
// not at the cpython level (which pins CPython's message).
import { PythonError } from "../../../reference/implementation.js";
import { brokenModule, call, forward } from "../broken/wrap.js";

const m = brokenModule({
  primitive: "Lock",
  wrap: (inner) => {
    const reworded = (name: string) => (...a: never[]) => {
      try {
        return call(inner, name, ...a);
      } catch (e) {
        if (e instanceof PythonError && e.pyType === "ValueError") throw new PythonError("ValueError", "this lock is not held");
        throw e;
      }
    };
    // `with` leaves through release: the same wording.
    return forward(inner, { release: reworded("release"), __exit__: reworded("__exit__") });
  },
});
export const { primitives, profiles, create, attach } = m;
