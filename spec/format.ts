/**
 * The format of an mpspec spec document (one YAML file per primitive).
 *
 * This file is the source of spec/spec.schema.json (`npm run schema`, via
 * typescript-json-schema); ajv validates every document against that schema.
 * Semantics are written as CEL expressions inside the documents; nothing here
 * knows about any particular primitive.
 *
 * CEL variables available to expressions:
 *  - `ctor`   map of constructor arguments (after defaults)
 *  - `s`      the abstract state (map of state variables), before the step
 *  - `args`   map of the call's arguments (after defaults)
 *  - `profile` the profile being checked ("multiprocessing", "threading")
 *  - `actor`  string id of the calling actor ("main" for init/post parts, "a0", "a1", ... in the parallel part)
 *  - `result` the observed return value (only in `accepts` and `effect` of a rule)
 *  - `handle` in the rules of an operation that `produces` a handle, the id of the handle it
 *    produces; in the rules of a handle's operation (`handles`), the id of the handle called
 *    ("o0@a1.2": the producing call's object, actor and index in that actor's program)
 *  - names bound by an internal step's `choose`
 * Integers are CEL ints. Beyond the base library, these functions of cel-go's extensions are available:
 * the strings extension (`substring`, `indexOf`, `charAt`, `split`, ...), the list method
 * `slice(start, end)` and `lists.range(n)` (lists), `math.least(a, b)` and `math.greatest(a, b)`
 * for ints (math).
 */

/** A conformance level a history is checked at (and how strongly a rule is promised). */
export type Level =
  /** What the Python docs allow; every conforming implementation may do it, portable code may rely on it. */
  | "documented"
  /** Observed CPython behaviour beyond the docs (exact messages, which index goes to whom, ...). */
  | "cpython";

/**
 * A rule's outcome class, as jcstress has acceptable / acceptable-interesting / forbidden:
 * the two levels, plus `deviation`: CPython behaviour that the docs forbid (its race bugs).
 * A deviation rule is active at the cpython level (so CPython passes it) and not at the
 * documented level, where a history it alone explains is reported as "conforms, except
 * CPython's known deviations" (by rule id and count) rather than as a failure. It needs a
 * `source` with both `docs` (what the docs say) and `observed` (the reproducer).
 */
export type RuleLevel = Level | "deviation";

/** Where a rule comes from. At least one of `docs` or `observed`. */
export interface Source {
  /** A Python docs section URL, e.g. https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Lock */
  docs?: string;
  /** Behaviour observed on CPython: which version, and the snippet that shows it. */
  observed?: {
    /** e.g. "CPython 3.11" */
    python: string;
    /** A runnable snippet and what it printed. */
    snippet: string;
  };
  /** Short quote or paraphrase of what the source says. */
  says?: string;
}

/** A JSON value as it crosses the adapter protocol (Python None = null, int = integer number). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The values a generator may choose for an argument. Exactly one member is set. */
export interface Domain {
  /** One of these values. */
  oneOf?: JsonValue[];
  /** An integer in [min, max]. */
  intRange?: { min: number; max: number };
  /** A fresh string, unique within the scenario, starting with this prefix (e.g. queue items). */
  token?: string;
  /**
   * A fresh bytes object, unique within the scenario: the `$bytes` value of a token with this
   * prefix, e.g. `{"$bytes": "xyz3"}` (Pipe.send_bytes).
   */
  bytesToken?: string;
}

export interface Param {
  description?: string;
  domain: Domain;
  /**
   * Domains that replace `domain` when a CEL condition over the arguments before this one
   * (`args`), the scenario's `profile` and, for an operation's argument, the constructor's
   * arguments (`ctor`, e.g. values that fit the array's typecode) holds; the first that holds wins. E.g. a timeout
   * that is only None when block is False: `[{ when: "!args.block", domain: { oneOf: [null, 0.005] } }]`;
   * a constructor parameter with fewer values in one profile: `[{ when: "profile == 'multiprocessing'", domain: ... }]`.
   */
  domainIf?: { when: string; domain: Domain }[];
  /** Value used when a call leaves the argument out. */
  default?: JsonValue;
  /**
   * A keyword-only parameter (Python's `*, lock=True`, `shutdown(wait, *, cancel_futures=False)`):
   * passed by name, in the run message's `kwargs` (an object's or a call's), and only when it is
   * not its default; it needs a default.
   */
  keyword?: boolean;
}

export interface StateVar {
  description?: string;
  /** CEL expression for the initial value; may read `ctor`. */
  init: string;
}

/** How one error is raised. */
export interface Raises {
  /** Python exception type, qualified unless builtin: "ValueError", "queue.Empty". Absent with `from`. */
  type?: string;
  /**
   * Instead of `type` and `message`: CEL over the rule's variables giving the error raised,
   * `{'type': <name>, 'message': <str(exc)>}`, e.g. the exception a Pool task raised, which
   * `get()` raises again (`s.tasks[handle].outcome`, as `call()` computed it).
   */
  from?: string;
  /** Exact message (str(exc)). */
  message?: string;
  /** RE2 pattern the whole message must match, when it holds run-dependent text (addresses, ids). */
  messagePattern?: string;
  /** Level of the message text; the type has the rule's level. Default "cpython". */
  messageLevel?: Level;
}

/** Why generated scenarios cannot (or only rarely) exercise a rule: see `Rule.reachable`. */
export interface Reachability {
  /** The reason, precisely: what a scenario would need that the generator does not produce. */
  rare: string;
}

/**
 * One way an operation may complete. An operation completes by the first rule
 * whose guard holds and whose outcome matches what was observed; if no rule's
 * guard holds, the call blocks (it cannot take effect at that point).
 */
export interface Rule {
  /** Stable id, `<Primitive>.<operation>.<name>`, e.g. "Queue.get.per-producer-fifo". */
  id: string;
  level: RuleLevel;
  source: Source;
  description?: string;
  /** Profiles this rule applies in; all profiles of the document when absent. */
  profiles?: string[];
  /**
   * Generated scenarios cannot reach this rule (or reach it too rarely to count on), and why:
   * e.g. `{ rare: "needs a feeder flush to lose a race with close(); no generated schedule does" }`.
   * Coverage reports (`mpspec coverage`, `run --coverage`) list such a rule apart with its reason
   * rather than as a gap to close. Say precisely what the generator cannot do.
   */
  reachable?: Reachability;
  /**
   * Active only when the documented level is checked (needs `level: documented`): an outcome the
   * docs allow that CPython does not show, so that the cpython level stays exact. E.g. a
   * non-sequence assigned to an Array slice may raise any exception by the docs; CPython raises
   * ValueError, which a cpython-level rule says.
   */
  documentedOnly?: boolean;
  /** CEL guard over ctor, s, args, actor. Default true. */
  when?: string;
  /**
   * This outcome happens only once the call's timeout (the operation's `timeoutArg`, in seconds) has
   * elapsed: the checker places it no earlier than invocation + timeout.
   */
  afterTimeout?: boolean;
  /** State updates: target -> CEL (evaluated on the state before the step). A target is a state variable `v`, or `v[<CEL key>]` for one entry of a map or list. */
  effect?: { [name: string]: string };
  /** CEL expression for the exact return value. Neither `returns` nor `accepts`: returns None. */
  returns?: string;
  /** Level of `returns`, when the exact value is CPython behaviour and `accepts` is what the docs say. Default: the rule's level. */
  returnsLevel?: Level;
  /** CEL predicate over `result`: which returned values are acceptable. */
  accepts?: string;
  /** The call raises instead of returning. */
  raises?: Raises;
  /**
   * The call does not complete here: it takes this step's effect and continues in the named
   * phase of the operation (a later step, between the same invocation and response). For
   * two-phase calls such as Condition.wait (release and wait, then notified and reacquired).
   * A rule with `next` has no outcome of its own.
   */
  next?: string;
}

/**
 * A way the constructor refuses its arguments: building the object raises, as
 * `multiprocessing.Semaphore(-1)` raises OSError. The object is built unless a rule active at the
 * level being checked (and in the profile) has a guard that holds for the constructor arguments;
 * then the construction must raise as one of those rules says, and the scenario stops there
 * (none of its calls is made, as a Python program would stop at `o0 = Semaphore(-1)`).
 */
export interface ConstructionRule extends Pick<Rule, "level" | "source" | "description" | "profiles" | "reachable" | "documentedOnly"> {
  /** Stable id, `<Primitive>.construct.<name>`, e.g. "Semaphore.construct.negative". */
  id: string;
  /** CEL guard over `ctor` and `profile`: the arguments this rule refuses. */
  when: string;
  raises: Raises;
}

/** One call of a `generate.patterns` scenario. */
export interface PatternCall {
  /**
   * An operation of this object, of a handle it produced (`Future.cancel`: the actor's latest
   * one), or of a companion (`Value.value`, generate.companions: the companion is declared when a
   * call or a drawn argument names it).
   */
  op: string;
  /** Argument name -> the domain this call draws it from (the others: their own domains). */
  args?: { [arg: string]: Domain };
  /** Seconds the actor sleeps before this call (parallel part only). */
  pause?: number;
}

/** A hand-shaped scenario (see `generate.patterns`). */
export interface Pattern {
  name: string;
  description: string;
  share: number;
  /** Profiles it is drawn in (default: every profile whose operations it names exist in). */
  profiles?: string[];
  ctor?: { [param: string]: Domain };
  init?: PatternCall[];
  /** One program per parallel actor. */
  parallel: PatternCall[][];
  post?: PatternCall[];
}

/** A later step of a call that continued with `next`. */
export interface Phase {
  description?: string;
  /** Empty: the call never completes once it gets here (a self-deadlock), and is not a liveness failure. */
  rules: Rule[];
}

/**
 * How an operation is performed on the Python object (`name` is the operation's `attribute`,
 * by default the operation's name):
 *  - `call` (default): calls the method, `obj.name(*args)`;
 *  - `get`: reads the attribute or property, `obj.name` (no arguments), as `Barrier.n_waiting`
 *    or `Barrier.broken`;
 *  - `set`: assigns the operation's one argument, `obj.name = args[0]`; returns None;
 *  - `iadd`: an in-place update with the one argument, `obj.name += args[0]`; returns None. In
 *    Python this is a read (`getattr`), an add, then a write (`setattr`): NOT atomic unless the
 *    operation also has `withLock`. A spec that admits lost updates says so with two phases
 *    (read, then write).
 *
 * With `item`, the three attribute forms subscript the object instead: `obj[key]`,
 * `obj[key] = args[0]`, `obj[key] += args[0]`, the key being the `item` argument (an int, or a
 * `{"$slice": [start, stop]}` value), as for a multiprocessing.Array.
 */
export type OperationForm = "call" | "get" | "set" | "iadd";

export interface Operation {
  description?: string;
  /** Profiles where the operation exists; all profiles when absent. */
  profiles?: string[];
  /** `get`: an attribute read (`obj.name`), which takes no args; `set`, `iadd`: an attribute write or in-place update with one arg. Default `call`. */
  form?: OperationForm;
  /**
   * The Python method or attribute the operation uses, when it is not the operation's name, e.g.
   * `value` for operations `set_value` (form set) and `increment` (form iadd) of a
   * multiprocessing.Value.
   */
  attribute?: string;
  /**
   * Run the operation while holding the lock that this method of the object returns:
   * `with obj.<withLock>(): <operation>`, e.g. `get_lock` for multiprocessing.Value. The lock
   * is acquired after the invocation is recorded and released before the response is.
   */
  withLock?: string;
  /**
   * For form get/set/iadd: the name of the argument that is the subscript key, so that the
   * operation is on `obj[key]` rather than an attribute (e.g. `index` for `a[index] = value` on a
   * multiprocessing.Array). The key may be a slice value `{"$slice": [start, stop]}`. Like a
   * `target`, the argument is not among the values passed (it travels as the call's `key`),
   * yet rules see it in `args`.
   */
  item?: string;
  /**
   * Perform the operation on what this method of the object returns (called with no
   * arguments) rather than on the object itself, e.g. `get_obj` for `a.get_obj()[i]`, the raw
   * ctypes object inside a synchronized wrapper.
   */
  via?: string;
  /**
   * Arguments the method writes into (a buffer, as `recv_bytes_into(buf)`): the call's observed
   * result is then the list `[returned value, each of these arguments as it is after the call]`,
   * e.g. `[3, {"$bytes": "\u0000hey"}]`. Only for form `call`.
   */
  outArgs?: string[];
  /** Arguments in positional order. */
  args?: { [name: string]: Param };
  /** Name of the argument that holds the timeout in seconds (None = wait forever). */
  timeoutArg?: string;
  /**
   * CEL over `ctor` and `args` for the call's effective timeout in seconds (null: none), when it
   * is not just the `timeoutArg` argument, e.g. a default taken from the constructor:
   * `args.timeout != null ? args.timeout : ctor.timeout` (Barrier.wait). Default: the `timeoutArg` argument.
   */
  timeout?: string;
  /** Relative frequency in generated scenarios. Default 1. */
  weight?: number;
  /**
   * Parts of a generated scenario that may call it; all when absent. E.g. Barrier.wait is left
   * out of `init`, where the actor "main" waits alone and, with more than one party, can only
   * break the barrier.
   */
  parts?: ("init" | "parallel" | "post")[];
  /**
   * For an object whose constructor returns a tuple (the profile's `returns`, e.g. Pipe's two
   * connections): the name of the argument that picks the tuple element the method is called
   * on. Its value is an index into the tuple (domain e.g. `oneOf: [0, 1]`); the argument is
   * not passed to the method (it travels in the run message as the call's `target`), yet
   * rules see it in `args` like any other (`args.end`).
   */
  target?: string;
  /**
   * The call returns a new handle of this kind (one of the document's `handles`), such as
   * Pool.apply_async's AsyncResult. Its result is `{"$handle": <id>}` (the id of the producing
   * call's place, bound as `handle` in its rules, which keep what the handle needs in the
   * state, e.g. an entry of `s.tasks`); a rule that raises produces none. Later calls of the
   * same actor (a sequence naming `<Kind>.<op>`) are made on it.
   */
  produces?: string;
  /** Ways the call may complete (or continue); none enabled = the call blocks. */
  rules: Rule[];
  /** Later phases of the call, by name, reached through a rule's `next`. */
  phases?: { [name: string]: Phase };
}

/** A step the object takes by itself between calls (e.g. the Queue feeder thread flushing an item). */
export interface InternalStep {
  id: string;
  level: RuleLevel;
  source: Source;
  description?: string;
  profiles?: string[];
  /**
   * Taken only when the documented level is checked (needs `level: documented`): something the docs
   * allow an implementation to do that CPython never does (a Pool reporting a task lost with its
   * worker as an exception), so that the cpython level stays exact. As `Rule.documentedOnly`.
   */
  documentedOnly?: boolean;
  /**
   * The implementation may take this step or never take it: the liveness rule never counts on it
   * to release a waiting call (a freedom the docs leave, such as reporting a task lost with its
   * worker, which CPython never takes). Not with `within`.
   */
  optional?: boolean;
  /**
   * Generated scenarios cannot reach this rule (or reach it too rarely to count on), and why:
   * e.g. `{ rare: "needs a feeder flush to lose a race with close(); no generated schedule does" }`.
   * Coverage reports (`mpspec coverage`, `run --coverage`) list such a rule apart with its reason
   * rather than as a gap to close. Say precisely what the generator cannot do.
   */
  reachable?: Reachability;
  /** Bind names to each element of a CEL list; the step is tried once per combination. */
  choose?: { [name: string]: string };
  when?: string;
  effect: { [name: string]: string };
  /**
   * Seconds the step may take to happen once enabled, when it is not prompt (a child process's
   * life: starting it and running its target). The liveness rule counts on an internal step to
   * release a waiting call within its promptness (500 ms); on this one only for calls that waited
   * longer than `within`. Default: prompt.
   */
  within?: number;
  /**
   * The step is a call this object's process makes on another object of the scenario (a Process's
   * child running its target's `calls`): `call` (CEL) gives `{'object': {'$object': <id>}, 'op':
   * <operation>, 'args': {...}}`, taken through that object's own rules (every phase, blocking
   * included) as the actor `<this object's id>.child`; `phase` names the int state variable holding
   * the phase that call is in (0: not begun). `effect` applies when the call completes, with
   * `result` bound to its result and `raised` to the exception it raised (`{'type': ...,
   * 'message': ...}`, the message '' where the rule gives a pattern) or null. Only a system of objects takes such a step (docs/design/processes.md).
   * `as` names the actor instead, `<this object's id>.<as>`, for a call made by a thread of the
   * creating process rather than by a child (a Pool's result-handler thread running a callback:
   * `as: callbacks`); default `child`.
   */
  delegate?: { call: string; phase: string; as?: string };
  /**
   * CEL: this step ends the process of the object's child (Process.finish): `'exit'` when its exit
   * functions run (a return, an exception, sys.exit: Python's finalizers join a Queue's feeder
   * thread) or `'kill'` when they do not (a signal, os._exit); null when the step ends nothing.
   * The other objects of a system then take their `processEnd` rules for the actor
   * `<this object's id>.child` (docs/design/processes.md).
   */
  endsChild?: string;
}

/**
 * What an object does when a process that called it ends (a Process's child, actor
 * `<id>.child`), as that process's exit functions and the OS leave it (a Queue's feeder thread
 * joined at exit, its buffer lost to a kill). CEL sees `s`, `ctor`, `profile` and `actor` (the
 * process that ends).
 */
export interface ProcessEndRule extends Pick<Rule, "id" | "level" | "source" | "description" | "profiles" | "reachable"> {
  /**
   * `exit`: the process's exit functions run (they may wait: if the object has exit rules and none
   * is enabled, the process cannot end yet). `kill`: they do not run (a signal, os._exit); one
   * enabled rule's effect applies, none leaves the object as it is.
   */
  how: "exit" | "kill";
  when?: string;
  effect?: { [name: string]: string };
}

/** A kind of handle (SpecDocument.handles): what it is and its operations. */
export interface Handle {
  description?: string;
  /** Its Python class, as the docs name it ("multiprocessing.pool.AsyncResult"). */
  pythonClass?: string;
  source?: Source;
  operations: { [name: string]: Operation };
}

/** Per-profile facts: which Python callable constructs the object. */
export interface ProfileInfo {
  /** The Python callable that constructs the object, e.g. "multiprocessing.Lock", "threading.Lock", "queue.Queue". */
  callable: string;
  /**
   * The callable returns a tuple, with these names for its elements, in order (Pipe:
   * `["conn1", "conn2"]`); the scenario object stands for the whole tuple, and each operation
   * names, with its `target` argument, the element it is called on.
   */
  returns?: string[];
  source?: Source;
}

/** A named CEL fragment (SpecDocument.defs). */
export interface Definition {
  /** What it means, for readers of the spec. */
  description: string;
  /** The CEL text it stands for. */
  cel: string;
}

export interface SpecDocument {
  /** Primitive name, as used in scenarios and ids: "Lock", "Queue". */
  primitive: string;
  /** Spec format version. */
  format: 1;
  /**
   * The object's name in the Python examples of the generated docs ("q" for a Queue, "sem" for
   * a Semaphore); default: the primitive's name with a lower-case initial. A tuple's elements
   * (Pipe's conn1, conn2) come from the profile's `returns`.
   */
  objectName?: string;
  description?: string;
  /** Profiles in which the primitive exists ("multiprocessing", "threading"). */
  profiles: { [name: string]: ProfileInfo };
  /**
   * Who may call the object's operations: "threads" when only threads of the process that
   * constructed it may (CPython's Process: "can only start a process object created by current
   * process", "can only join a child process"). A scenario with such an object runs its actors as
   * threads (the run message's `calls.actors`). Default: any actor, thread or process.
   */
  callers?: "threads";
  /**
   * A method adapters call on the object once its scenario is over (Pool: `terminate`), so that
   * nothing it started (worker processes, threads) outlives the scenario. Not a call of the
   * history. The run message's `calls.objects[k].teardown`.
   */
  teardown?: string;
  /** Constructor parameters in positional order. */
  params?: { [name: string]: Param };
  /**
   * When the constructor raises instead of building the object (see ConstructionRule). Without
   * it, every generated set of constructor arguments builds one. A parameter's domain may then
   * hold values the constructor refuses (best drawn rarely: a refused construction runs no call).
   */
  construction?: { description?: string; rules: ConstructionRule[] };
  state: { [name: string]: StateVar };
  operations: { [name: string]: Operation };
  /**
   * Kinds of handle the object's operations produce (`produces`): objects that a call returns
   * and later calls use, such as a Pool's AsyncResult. A handle's state is part of its
   * producer's (`s`), so its operations are rules of this document: ids
   * `<Primitive>.<Kind>.<op>.<name>`, and `handle` in CEL is the handle called. In scenarios,
   * histories and sequences its operations are `<Kind>.<op>`, on the object `<handle id>`.
   */
  handles?: { [kind: string]: Handle };
  internal?: InternalStep[];
  /** What the object does when a process that called it ends (ProcessEndRule). */
  processEnd?: ProcessEndRule[];
  /** Invariants that hold in every reachable state (CEL over ctor, s); checked while searching, for spec debugging. */
  invariants?: { [name: string]: string };
  /**
   * Named CEL fragments that several expressions share: `defs.<name>` in any expression of this
   * document stands for `(<cel>)`, put in as text when the document loads, so its names are those
   * of the place it is used in (a fragment may read `s`, `ctor`, or a variable the using
   * expression binds, such as a filter's). A fragment may use others, without cycles.
   */
  defs?: { [name: string]: Definition };
  /** Hints for the scenario generator. */
  generate?: {
    /**
     * CEL over `ctor`: the fewest parallel actors a scenario should have for these constructor
     * arguments (an int; capped by the generator's maximum), e.g. `ctor.parties` so that a
     * Barrier's generation can fill. Default 1.
     */
    minActors?: string;
    /**
     * Call sequences generated as one unit in an actor's program, besides single calls, e.g.
     * `{ ops: [acquire, wait, release], weight: 3 }` for a Condition, whose wait needs the lock
     * held by its caller. Each call's args are drawn from its operation's domains; a sequence is
     * weighed against single calls (their operations' `weight`), and counts as one element
     * towards the generator's calls per actor (so an actor may run more calls). Shrinking
     * removes whole sequences, or reduces one to a single call.
     *
     * `args` narrows some arguments within the sequence: operation name -> argument name ->
     * the domain its calls in this sequence draw from instead of the argument's `domain` and
     * `domainIf` (e.g. long timeouts for the waits that a notify should find still waiting:
     * `args: { wait: { timeout: { oneOf: [0.1, 0.25] } } }`). `pause`: seconds; every
     * generation of the sequence in a parallel actor sleeps one of them before its first call
     * (instead of the usual drawn pause), e.g. a notify that comes after the waiters started
     * waiting. Both shrink away with the sequence (reduced to a single call, it is drawn as
     * one). With `companions`, an operation of a companion may be named `<Primitive>.<op>`
     * (`[start, join, Event.is_set]`): that call is on the companion, and left out of scenarios
     * without one. An operation of a handle, `<Kind>.<op>` (`[apply_async, AsyncResult.get]`),
     * is made on the handle that the sequence's latest earlier call producing one returned; a
     * handle's operations are drawn only so. `profiles`: the profiles it is drawn in (default:
     * every profile where its operations exist), e.g. a Pool task that ends its worker with
     * os._exit, which a ThreadPool's would end the whole process.
     */
    sequences?: { ops: string[]; weight?: number; args?: { [op: string]: { [arg: string]: Domain } }; pause?: number[]; profiles?: string[] }[];
    /**
     * Operations that at most one parallel actor may call on the same part of the object: for
     * each value of the argument `by`, the parallel part's calls to these operations are all
     * made by one actor (the first that makes one); the generator leaves out the others'. E.g.
     * the reads of one Pipe end (`{ ops: [recv, poll], by: end }`), which the docs say may
     * corrupt data when two processes make them at the same time. Without `by`, over the whole
     * object (a Process's start(), which is called at most once and is not thread-safe).
     */
    exclusive?: { ops: string[]; by?: string }[];
    /**
     * Pauses (seconds) a parallel actor may sleep before a call, replacing the generator's
     * default (5 and 30 ms): `[]` for a primitive whose calls never wait for one another (a
     * shared Value), where a pause only keeps its racing calls apart and costs time.
     */
    pauses?: number[];
    /**
     * How many calls a scenario may hold, replacing the generator's defaults (init and post: 2
     * calls or sequences each; parallel: 3 actors of 3). For a primitive with many outcomes per
     * operation whose calls are cheap and never wait (a shared Array: each typecode's wrong
     * types), longer init and post parts reach more of its rules in the same number of scenarios.
     */
    shape?: { maxActors?: number; maxCallsPerActor?: number; maxInit?: number; maxPost?: number };
    /**
     * Objects of other primitives this one's constructor arguments may name: a domain value
     * `{"$object": "<Primitive>"}` (inside a callable value, e.g. a Process target
     * `{$callable: set_event, event: {$object: Event}}`) becomes a companion object of that
     * primitive, declared before this one with its constructor arguments drawn from its own
     * document, and the placeholder its id (`{"$object": "o1"}`). `share`: the fraction of the
     * actors' program elements (calls, sequences) drawn on the companion, from its document's
     * operations, when the scenario has one (0 to 1; its calls are left out when it has none).
     * `ops`: only these of its operations (and its sequences made of them) are drawn, where
     * others would reach what the model of actors as threads of one process cannot tell (a Queue
     * closed by the parent before start() is closed in a forked child, unpicklable for a spawned one).
     * `args` narrows the companion's constructor arguments' domains (argument name -> domain): a
     * Queue a Pool callback puts on is unbounded, as a callback "should complete immediately".
     */
    companions?: { [primitive: string]: { share: number; ops?: string[]; args?: { [arg: string]: Domain } } };
    /**
     * Hand-shaped scenarios (Lincheck's custom scenarios), drawn besides the random ones, for an
     * interleaving that random programs reach too seldom or too dearly: e.g. a party that waits
     * long and a read made well after it arrived, with no other call to break the barrier.
     * `share`: the fraction of scenarios drawn from the pattern (0 to 1). `ctor` narrows
     * constructor arguments' domains (the others are drawn as usual); each call names an
     * operation of this document, narrows some of its arguments' domains (the others drawn from
     * their own) and may bring a `pause` (parallel part only). Shrinking keeps the calls and
     * shrinks the drawn arguments.
     */
    patterns?: Pattern[];
  };
  /** Timing tolerances. */
  timing?: {
    /** How much earlier than its timeout a timed-out call may return, in seconds (clock granularity). Default 0.001. */
    timeoutSlack?: number;
  };
}
