// Package ids makes and reads the service's identifiers: positive 64-bit integers written as decimal
// strings, unique across instances without coordination and roughly ordered by creation time.
package ids

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/bwmarrin/snowflake"
)

// Generator hands out ids. Each instance picks a random 10-bit node number at start; with the
// millisecond timestamp and a per-node sequence, two instances collide only if they draw the same node
// number and the same millisecond and sequence, and the primary keys would refuse even that.
type Generator struct{ node *snowflake.Node }

// NewGenerator makes a generator with a random node number.
func NewGenerator() (*Generator, error) {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	n, err := snowflake.NewNode(int64(binary.BigEndian.Uint16(b[:]) % 1024))
	if err != nil {
		return nil, err
	}
	return &Generator{node: n}, nil
}

// New returns a fresh id.
func (g *Generator) New() int64 { return g.node.Generate().Int64() }

// ErrMalformed is returned for a string that is not an id.
var ErrMalformed = errors.New("not an id: expected 1 to 19 decimal digits")

// Parse reads an id from its string form. It accepts exactly 1–19 ASCII digits naming a positive value
// that fits in 64 bits.
func Parse(s string) (int64, error) {
	if len(s) == 0 || len(s) > 19 {
		return 0, ErrMalformed
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrMalformed
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, ErrMalformed
	}
	return v, nil
}

// Format writes an id in its string form.
func Format(id int64) string { return strconv.FormatInt(id, 10) }
