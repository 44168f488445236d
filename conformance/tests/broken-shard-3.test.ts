// Shard 3 of the broken-variant tests (conformance/tests/broken-shard.ts).
import { describeBrokenShard } from "./broken-shard.js";

describeBrokenShard(2);
