// A ProcessPoolExecutor that never hands its initializer to the workers (a port that forgets to
// forward it): calls then run although the initializer raises, where CPython's workers end at it
// and every pending future raises BrokenProcessPool.
import { isCallableValue } from "../../../reference/callables.js";
import { brokenModule } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "ProcessPoolExecutor",
  // It still checks that the initializer is callable; it just never passes it on.
  kwargs: ({ initializer, ...rest }) => (isCallableValue(initializer) ? rest : { initializer, ...rest }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

export const caught: BrokenExpectation[] = [{ primitive: "ProcessPoolExecutor", profile: "multiprocessing", breaks: /^ProcessPoolExecutor\.(Future\.|submit\.broken$|initializer-failed)/ }];
