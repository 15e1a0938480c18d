package proximity

import "strconv"

// Class says why Rank placed a peer where it did.
type Class uint8

// Classes in order of nearness; NumClasses counts them (for arrays indexed
// by Class).
const (
	ClassSameNet Class = iota // same /24 or /48 as self
	ClassSameASN              // same known ASN as self
	ClassNear                 // ranked by common prefix / RTT: other or unknown AS
	ClassRemote               // picked at random by the diversity quota
	NumClasses
)

var classNames = [NumClasses]string{"same-net", "same-as", "prefix", "remote-quota"}

// String returns "same-net", "same-as", "prefix" or "remote-quota".
func (c Class) String() string {
	if c < NumClasses {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// classOf classifies a peer picked by nearness.
func classOf(d Distance) Class {
	switch {
	case d.SameNet:
		return ClassSameNet
	case d.SameASN:
		return ClassSameASN
	default:
		return ClassNear
	}
}
