//go:build race

package httpapi_test

// raceDetector: the tests run under the race detector, which makes each database round trip several
// times slower; tests of volume scale down (the volume itself is the benchmarks' and the plain run's).
const raceDetector = true
