package container

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/moby/moby/client"
	tc "github.com/testcontainers/testcontainers-go"
)

// BuildTimeout bounds an image build.
const BuildTimeout = 2 * time.Minute

// File is a file put into an image or a container: From (a host path) or
// Data, at Path with Mode.
type File struct {
	Path string // where the file goes
	From string // the host file to copy, when set
	Data []byte // the file's contents, without From
	Mode int64  // its permission bits
}

// Image is an image built by BuildImage.
type Image struct {
	// Ref is the image's reference, name:tag.
	Ref string
	e   *Engine
}

// BuildImage builds an image FROM scratch holding files (static binaries:
// scratch has no libc, no shell, no /tmp), labelled with the run. The build
// context is a tar made here, so nothing is pulled and no context directory
// is needed.
func (e *Engine) BuildImage(ctx context.Context, name string, files []File) (*Image, error) {
	ctx, cancel := context.WithTimeout(ctx, BuildTimeout)
	defer cancel()
	archive, err := buildContext(files)
	if err != nil {
		return nil, err
	}
	req := tc.ContainerRequest{
		Labels: e.labels(),
		FromDockerfile: tc.FromDockerfile{
			ContextArchive: bytes.NewReader(archive),
			Repo:           name,
			Tag:            e.RunID,
		},
	}
	ref, err := e.provider.BuildImage(ctx, &req)
	if err != nil {
		// A failed build may leave an image or intermediate layers.
		_ = (&Image{Ref: name + ":" + e.RunID, e: e}).Remove(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("building image %s:%s FROM scratch: %w", name, e.RunID, err)
	}
	return &Image{Ref: ref, e: e}, nil
}

// Remove removes the image and its untagged parents; an image already gone
// is no error.
func (img *Image) Remove(ctx context.Context) error {
	_, err := img.e.Client().ImageRemove(ctx, img.Ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("removing image %s: %w", img.Ref, err)
	}
	return nil
}

// buildContext is the tar of a Dockerfile copying files FROM scratch in one
// step: each instruction of the classic builder is a container of its own.
func buildContext(files []File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dockerfile := "FROM scratch\nCOPY rootfs/ /\n"
	if err := writeTarFile(tw, "Dockerfile", []byte(dockerfile), 0o644); err != nil {
		return nil, err
	}
	for _, f := range files {
		if !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path {
			return nil, fmt.Errorf("image file path %q: allowed a clean absolute path", f.Path)
		}
		data := f.Data
		if f.From != "" {
			var err error
			if data, err = os.ReadFile(f.From); err != nil {
				return nil, fmt.Errorf("image file %s: %w", f.Path, err)
			}
		}
		if err := writeTarFile(tw, "rootfs"+f.Path, data, f.Mode); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeTarFile(tw *tar.Writer, name string, data []byte, mode int64) error {
	if mode == 0 {
		mode = 0o755
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: time.Unix(0, 0)}); err != nil {
		return fmt.Errorf("build context %s: %w", name, err)
	}
	_, err := io.Copy(tw, bytes.NewReader(data))
	return err
}
