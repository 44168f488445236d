// Copied by `npm run bench:checker -- --porcupine <checkout>` into a temporary copy of Porcupine's
// repository (github.com/anishathalye/porcupine, whose test file has the parsers and models used
// here): Porcupine's check time on the histories bench:checker checks, parsing left out as in
// bench:checker, best of a few passes (Go needs no warm-up, but the machine may be busy).
package porcupine

import (
	"fmt"
	"testing"
	"time"
)

func TestMpspecCheckTiming(t *testing.T) {
	best := map[string]time.Duration{}
	for pass := 0; pass < 3; pass++ {
		var etcd, kv time.Duration
		for i := 0; i <= 102; i++ {
			if i == 95 { // no verdict: Porcupine's tests skip it
				continue
			}
			events := parseJepsenLog(fmt.Sprintf("test_data/jepsen/etcd_%03d.log", i))
			t0 := time.Now()
			CheckEvents(etcdModel, events)
			etcd += time.Since(t0)
		}
		for _, name := range []string{"c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad"} {
			events := parseKvLog(fmt.Sprintf("test_data/kv/%s.txt", name))
			t0 := time.Now()
			CheckEvents(kvModel, events)
			kv += time.Since(t0)
		}
		if pass == 0 || etcd < best["etcd"] {
			best["etcd"] = etcd
		}
		if pass == 0 || kv < best["kv"] {
			best["kv"] = kv
		}
	}
	fmt.Printf("MPSPEC-TIMING etcd %.4f kv %.4f\n", best["etcd"].Seconds(), best["kv"].Seconds())
}
