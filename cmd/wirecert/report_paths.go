package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// reportFile is a report the run is asked to write: the flag that names it
// and its path ("" for none).
type reportFile struct{ flag, path string }

// reportFiles are the run's report files.
func (f *runFlags) reportFiles() []reportFile {
	return []reportFile{{"--json", f.json}, {"--junit", f.junit}, {"--html", f.html}}
}

// checkReportPaths finds, before anything runs, a report path the run could
// not write: a directory, a path under a file, a directory or file this
// user may not write, or one file named by two flags.
func checkReportPaths(files []reportFile) error {
	seen := map[string]string{}
	for _, rf := range files {
		if rf.path == "" {
			continue
		}
		abs, err := filepath.Abs(rf.path)
		if err != nil {
			return usageErrorf("%s %q: %v", rf.flag, rf.path, err)
		}
		if other, dup := seen[abs]; dup {
			return usageErrorf("%s %q and %s name the same file: allowed a file of its own for each report", rf.flag, rf.path, other)
		}
		seen[abs] = rf.flag
		if err := writable(abs); err != nil {
			return usageErrorf("%s %q: %v: allowed a file path this user can write", rf.flag, rf.path, err)
		}
	}
	return nil
}

// writable says why path could not be written as a file: it is a
// directory, it exists and may not be written, or its nearest existing
// ancestor is not a directory this user can create entries in.
func writable(path string) error {
	info, err := os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		return errors.New("is a directory")
	case err == nil:
		if unix.Access(path, unix.W_OK) != nil {
			return errors.New("exists and is not writable")
		}
		return nil
	case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, unix.ENOTDIR):
		return err
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		switch {
		case (errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR)) && dir != filepath.Dir(dir):
			continue // created by the writer, or under a file found further up
		case err != nil:
			return err
		case !info.IsDir():
			return fmt.Errorf("%s is not a directory", dir)
		case unix.Access(dir, unix.W_OK|unix.X_OK) != nil:
			return fmt.Errorf("directory %s is not writable", dir)
		}
		return nil
	}
}
