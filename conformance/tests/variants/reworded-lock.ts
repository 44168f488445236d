// A Lock that differs from CPython's only in a way its docs allow: releasing an unlocked lock
// raises the documented ValueError, worded its own way. Conformant at the documented level,
// not at the cpython level (which pins CPython's message).
import { PythonError } from "../../../reference/implementation.js";
import { brokenModule, call, forward } from "../broken/wrap.js";

const m = brokenModule({
  primitive: "Lock",
  wrap: (inner) =>
    forward(inner, ["acquire"], {
      release: () => {
        try {
          return call(inner, "release");
        } catch (e) {
          if (e instanceof PythonError && e.pyType === "ValueError") throw new PythonError("ValueError", "this lock is not held");
          throw e;
        }
      },
    }),
});
export const { primitives, profiles, create, attach } = m;
