package loadtesting

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// maxHistogramDigits is the most significant digits a stored histogram may
// have for a Result to decode it; the engine writes 3. The decoder sizes
// its counts from the header alone: at 5 digits over the int64 range that
// is 46 MiB from a 64-byte string, so one corrupt or hostile stored run
// would cost every reader (Percentile, reports, the dashboard) that much
// per call. At 3 digits no range needs more than about half a MiB.
const maxHistogramDigits = 3

// decodeHistogram decodes a Result's encoded histogram (base64 of the V2
// compressed encoding) once its header shows at most maxHistogramDigits
// significant digits.
func decodeHistogram(enc string) (*hdrhistogram.Histogram, error) {
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	// 8 bytes (cookie, compressed length), then the zlib stream, whose
	// first 16 bytes are the cookie, the payload length, the normalizing
	// offset and the significant digits, as big-endian int32s.
	if len(raw) < 8 {
		return nil, errors.New("histogram: too short")
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	defer zr.Close()
	var head [16]byte
	if _, err := io.ReadFull(zr, head[:]); err != nil {
		return nil, fmt.Errorf("histogram header: %w", err)
	}
	if digits := int32(binary.BigEndian.Uint32(head[12:])); digits > maxHistogramDigits {
		return nil, fmt.Errorf("histogram with %d significant digits: at most %d are read", digits, maxHistogramDigits)
	}
	return hdrhistogram.Decode([]byte(enc))
}
