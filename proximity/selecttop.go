package proximity

// selectLargest rearranges a so that its last k elements are the k largest
// (in no particular order), in expected O(len(a)) time: Rank wants the
// nearest few of many candidates, and sorting them all cost more than the
// rest of the ranking. The keys carry random low bits, so a middle pivot
// is as good as a random one.
func selectLargest(a []uint64, k int) {
	if k <= 0 || k >= len(a) {
		return
	}
	lo, hi := 0, len(a)-1
	target := len(a) - k // a[target:] must end up the k largest
	for lo < hi {
		p := median3(a[lo], a[lo+(hi-lo)/2], a[hi])
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// a[lo:j+1] <= p <= a[i:hi+1]
		switch {
		case target <= j:
			hi = j
		case target >= i:
			lo = i
		default:
			return
		}
	}
}

func median3(a, b, c uint64) uint64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	if a > b {
		b = a
	}
	return b
}
