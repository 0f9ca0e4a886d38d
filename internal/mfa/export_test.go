package mfa

// CheckCode is the in-memory code check alone, for BenchmarkCodeCheck.
var CheckCode = checkCode
