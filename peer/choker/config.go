package choker

import (
	"math/rand/v2"
	"time"
)

// NoSlots, given as Config.RegularSlots or Config.OptimisticSlots, means
// zero slots of that kind (the zero value selects the default). Any negative
// value has the same meaning.
const NoSlots = -1

// Defaults used for zero Config fields.
const (
	DefaultRegularSlots       = 3
	DefaultOptimisticSlots    = 1
	DefaultRoundInterval      = 10 * time.Second
	DefaultOptimisticInterval = 30 * time.Second
	DefaultRateWindow         = 20 * time.Second
	DefaultNewPeerWindow      = 60 * time.Second
	DefaultNewPeerWeight      = 3
)

// SeedPolicy selects how upload slots are given out while seeding.
type SeedPolicy int

const (
	// RoundRobin gives every interested leecher the same unchoked time.
	RoundRobin SeedPolicy = iota
	// FastestUpload unchokes the peers we upload to the fastest.
	FastestUpload
)

// Config tunes a Choker. Zero fields take the defaults above.
type Config struct {
	// RegularSlots is the number of regular (reciprocation) slots:
	// 0 means DefaultRegularSlots, NoSlots (or any negative) means none.
	RegularSlots int
	// OptimisticSlots is the number of optimistic slots:
	// 0 means DefaultOptimisticSlots, NoSlots (or any negative) means none.
	OptimisticSlots int
	// RoundInterval is the time between choke rounds (≤ 0: default 10 s).
	RoundInterval time.Duration
	// OptimisticInterval is how long an optimistic unchoke (and a lent
	// regular slot) is held (≤ 0: default 30 s).
	OptimisticInterval time.Duration
	// RateWindow is the window over which transfer rates are ranked
	// (≤ 0: default 20 s).
	RateWindow time.Duration
	// NewPeerWindow: connections younger than this are new and favoured
	// for the optimistic slot (≤ 0: default 60 s).
	NewPeerWindow time.Duration
	// NewPeerWeight is how much faster new connections advance in the
	// optimistic queue (0: default 3; 1 or negative: no favour).
	NewPeerWeight int
	// RemoteShare is the share of all slots (regular and optimistic,
	// rounded up) that remote peers may take from near peers' lent or
	// optimistic slots while leeching (0: none).
	RemoteShare float64
	// SeedPolicy is the slot policy while seeding.
	SeedPolicy SeedPolicy
	// Rand breaks ties. Nil means a PCG seeded from the time given to New.
	Rand *rand.Rand
}

// withDefaults returns cfg with zero fields replaced by defaults and the
// "none" encodings normalised to 0.
func (cfg Config) withDefaults(now time.Time) Config {
	cfg.RegularSlots = slots(cfg.RegularSlots, DefaultRegularSlots)
	cfg.OptimisticSlots = slots(cfg.OptimisticSlots, DefaultOptimisticSlots)
	cfg.RemoteShare = max(cfg.RemoteShare, 0)
	cfg.RoundInterval = duration(cfg.RoundInterval, DefaultRoundInterval)
	cfg.OptimisticInterval = duration(cfg.OptimisticInterval, DefaultOptimisticInterval)
	cfg.RateWindow = duration(cfg.RateWindow, DefaultRateWindow)
	cfg.NewPeerWindow = duration(cfg.NewPeerWindow, DefaultNewPeerWindow)
	switch {
	case cfg.NewPeerWeight == 0:
		cfg.NewPeerWeight = DefaultNewPeerWeight
	case cfg.NewPeerWeight < 1:
		cfg.NewPeerWeight = 1
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(uint64(now.UnixNano()), 0x5eed))
	}
	return cfg
}

func slots(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}

func duration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
