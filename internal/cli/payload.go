package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// validJSON reports why b is not one JSON document.
func validJSON(b []byte) error {
	// RawMessage checks the syntax of exactly one value without converting
	// numbers, so 1e400 is JSON and `{} {}` or `{}}` are not.
	return json.Unmarshal(b, new(json.RawMessage))
}

// readPayloadFile reads one JSON document, or JSON Lines (one document per
// line) to be used round-robin.
func readPayloadFile(path string) (body []byte, lines [][]byte, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, nil, pe.Err
		}
		return nil, nil, err
	}
	if validJSON(data) == nil {
		return data, nil, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := validJSON(line); err != nil {
			return nil, nil, fmt.Errorf("line %d: invalid JSON: %v", n, err)
		}
		lines = append(lines, bytes.Clone(line))
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(lines) == 0 {
		return nil, nil, errors.New("no JSON in the file")
	}
	return nil, lines, nil
}
