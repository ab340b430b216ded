package templates

import "testing"

// BothReaders is bothReaders, for the tests of package templates_test.
func BothReaders(t *testing.T, name string, data []byte, po ParseOptions) bool {
	return bothReaders(t, name, data, po)
}
