package report

// BuildOf exposes buildOf to the external test package.
var BuildOf = buildOf
