package report

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncDir flushes the files just written in dir, and dir itself, to disk: one syncfs(2)
// of dir's file system.
func syncDir(dir string, _ []string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
