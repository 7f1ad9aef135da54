package report

// HexDump exposes the HTML report's hex dump to the external test package.
var HexDump = hexDump

// TranscriptDumps renders t for a failed spec on a page that may still dump
// hexLeft bytes, and returns each event's hex dump, the notes, and what is
// left of the budget.
func TranscriptDumps(t Transcript, hexLeft int) (dumps, notes []string, left int) {
	ht := newHTMLTranscript(t, true, &hexLeft)
	for _, e := range ht.Events {
		if !e.FailedHere {
			dumps = append(dumps, e.Hex)
		}
	}
	return dumps, ht.Notes, hexLeft
}
