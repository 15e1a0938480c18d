package wire

import (
	"slices"
	"strings"
	"testing"
)

func TestClaimRoundTrip(t *testing.T) {
	for _, m := range []ClaimMsg{
		{Claim: []uint32{0, 7, 1 << 20}},
		{Drop: []uint32{3}},
		{Claim: []uint32{1}, Drop: []uint32{2, 4}},
		{},
	} {
		got, err := DecodeClaim(EncodeClaim(m))
		if err != nil {
			t.Fatalf("%+v: %v", m, err)
		}
		if !slices.Equal(got.Claim, m.Claim) || !slices.Equal(got.Drop, m.Drop) {
			t.Fatalf("round trip %+v -> %+v", m, got)
		}
	}
}

func TestDecodeClaimRefuses(t *testing.T) {
	long := "d5:claim" + "4100:" + strings.Repeat("\x00", 4100) + "e"
	for in, want := range map[string]string{
		"":                       "not a bencoded dictionary",
		"li1ee":                  "not a bencoded dictionary",
		"d5:claim3:abce":         "not a multiple of 4",
		"d4:drop5:abcdee":        "not a multiple of 4",
		long:                     "limit 1024",
		"d5:claimi3ee":           "claim message",
		"d5:claim4:\x00\x00\x00": "claim message",
	} {
		if _, err := DecodeClaim([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DecodeClaim(%q) = %v, want an error with %q", in, err, want)
		}
	}
}
