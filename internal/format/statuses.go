package format

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Statuses renders a status distribution as count×status, in ascending
// order of status and joined with ", ": "2×no response, 498×200, 2×503".
// Status 0 counts requests that got no response. Only the statuses for
// which keep returns true are shown; a nil keep shows all. It returns ""
// when none is shown.
func Statuses(counts map[int]int64, keep func(status int) bool) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		if keep != nil && !keep(c) {
			continue
		}
		label := strconv.Itoa(c)
		if c == 0 {
			label = "no response"
		}
		parts = append(parts, strconv.FormatInt(counts[c], 10)+"×"+label)
	}
	return strings.Join(parts, ", ")
}
