package sqlstore

// SetDeleteEventsBatch sets the batch size of DeleteEventsBefore for a
// test and returns the function that restores it.
func SetDeleteEventsBatch(n int) (restore func()) {
	old := deleteEventsBatch
	deleteEventsBatch = n
	return func() { deleteEventsBatch = old }
}
