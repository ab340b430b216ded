//go:build !linux

package report

import "os"

// syncDir flushes the files just written in dir to disk, one fsync each (there is no
// syncfs(2) here, and not every system can fsync a directory).
func syncDir(_ string, files []string) error {
	for _, p := range files {
		if p == "" {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
