package teamsbot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// memClaims is an in-memory BatchClaimer that counts round trips and
// can fail or hold them.
type memClaims struct {
	mu     sync.Mutex
	taken  map[string]bool
	trips  int
	fail   error
	hold   chan struct{} // when set, each round trip waits for it
	inTrip chan int      // when set, told the size of each round trip
}

func (m *memClaims) ClaimAll(ctx context.Context, names []string, _ string, _ time.Duration) ([]bool, error) {
	if m.inTrip != nil {
		m.inTrip <- len(names)
	}
	if m.hold != nil {
		<-m.hold
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.trips++
	if m.fail != nil {
		return nil, m.fail
	}
	if m.taken == nil {
		m.taken = map[string]bool{}
	}
	won := make([]bool, len(names))
	for i, n := range names {
		won[i] = !m.taken[n]
		m.taken[n] = true
	}
	return won, nil
}

// TestClaimGroupsOneRoundTripForConcurrentClaims: claims that arrive
// together go in one round trip, each gets its own outcome, and of two
// claims of one name exactly one wins.
func TestClaimGroupsOneRoundTripForConcurrentClaims(t *testing.T) {
	m := &memClaims{taken: map[string]bool{"a:3": true}}
	g := newClaimGroups(m, 50*time.Millisecond)
	var mu sync.Mutex
	wins := map[string]int{}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			name := fmt.Sprintf("a:%d", i%10) // every name twice
			ok, err := g.claim(context.Background(), name)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins[name]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if m.trips != 1 {
		t.Errorf("%d round trips, want 1", m.trips)
	}
	for i := range 10 {
		name, want := fmt.Sprintf("a:%d", i), 1
		if i == 3 {
			want = 0 // claimed before
		}
		if wins[name] != want {
			t.Errorf("%s won %d times, want %d", name, wins[name], want)
		}
	}
}

// TestClaimGroupsWaitForTheGroupInFlight: claims that arrive while a
// group is on its way to Redis form the next group, sent after it.
func TestClaimGroupsWaitForTheGroupInFlight(t *testing.T) {
	m := &memClaims{hold: make(chan struct{}), inTrip: make(chan int, 10)}
	g := newClaimGroups(m, 0)
	first := make(chan bool)
	go func() {
		ok, _ := g.claim(context.Background(), "b:0")
		first <- ok
	}()
	if n := <-m.inTrip; n != 1 {
		t.Fatalf("first group of %d", n)
	}
	var wg sync.WaitGroup
	for i := 1; i <= 5; i++ {
		wg.Go(func() {
			if ok, err := g.claim(context.Background(), fmt.Sprintf("b:%d", i)); !ok || err != nil {
				t.Errorf("b:%d: %v %v", i, ok, err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // all five wait behind the first group
	close(m.hold)
	if !<-first {
		t.Fatal("first claim lost")
	}
	wg.Wait()
	if n := <-m.inTrip; n != 5 {
		t.Fatalf("second group of %d, want 5", n)
	}
	if m.trips != 2 {
		t.Fatalf("%d round trips, want 2", m.trips)
	}
}

// TestClaimGroupsFailures: a failed round trip fails every claim of
// its group; a claim whose context ends stops waiting; a leader whose
// context ends fails its group and leaves the next group free to go.
func TestClaimGroupsFailures(t *testing.T) {
	down := errors.New("redis down")
	m := &memClaims{fail: down}
	g := newClaimGroups(m, time.Millisecond)
	if _, err := g.claim(context.Background(), "c:1"); !errors.Is(err, down) {
		t.Fatalf("err %v, want %v", err, down)
	}
	m.fail = nil
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.claim(ctx, "c:2"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled leader: err %v", err)
	}
	slow := newClaimGroups(m, time.Hour)
	lead, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { _, _ = slow.claim(lead, "c:3") }() // leads for an hour
	time.Sleep(10 * time.Millisecond)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := slow.claim(ctx, "c:4"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("follower: err %v", err)
	}
	if ok, err := g.claim(context.Background(), "c:2"); !ok || err != nil {
		t.Fatalf("after a cancelled group: %v %v", ok, err)
	}
}
