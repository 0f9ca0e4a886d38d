package audit

import "time"

// SetCloseWait changes how long Close waits for the database, for a test; the returned func restores it.
func SetCloseWait(d time.Duration) (restore func()) {
	old := closeWait
	closeWait = d
	return func() { closeWait = old }
}
