package report

// HexDump exposes the HTML report's hex dump to the external test package.
var HexDump = hexDump
