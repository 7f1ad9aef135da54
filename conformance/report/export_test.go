package report

// BuildOf exposes buildOf to the external test package.
var BuildOf = buildOf

// PlainMessage exposes plainMessage to the external test package.
var PlainMessage = plainMessage
