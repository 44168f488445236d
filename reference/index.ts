/** The reference implementation: the threads backend's classes, its ImplementationModule, and the shared contract types. */
export { PythonError, type ObjectHandle, type SharedPrimitive, type ImplementationModule } from "./implementation.js";
export { Lock, RLock } from "./threads/lock.js";
export { Semaphore, BoundedSemaphore } from "./threads/semaphore.js";
export { Queue, JoinableQueue, DEFAULT_CAPACITY, type QueueOptions } from "./threads/queue.js";
export { Barrier, brokenBarrierError } from "./threads/barrier.js";
export { Event } from "./threads/event.js";
export { SimpleQueue } from "./threads/simple-queue.js";
export { Condition, CONDITION_SLOTS } from "./threads/condition.js";
export { Pipe, Connection } from "./threads/pipe.js";
export { Value, RawValue, type Typecode } from "./threads/value.js";
export { SynchronizedArray, RawArray } from "./threads/array.js";
export { PyBytes, bytesRepr } from "./bytes.js";
export { checkCallable, resolveCallable, type CallableValue } from "./callables.js";
export { type Profile, type PrimitiveOptions } from "./threads/profile.js";
export * as threads from "./threads/module.js";
