package container

import (
	"context"

	"github.com/moby/moby/client"
)

// Leftovers lists the containers (any state) and images labelled with the
// engine's run: after a run's cleanup, both must be empty.
func (e *Engine) Leftovers(ctx context.Context) (containers, images []string, err error) {
	f := client.Filters{}.Add("label", LabelRun+"="+e.RunID)
	cs, err := e.Client().ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cs.Items {
		containers = append(containers, c.ID[:12]+" "+c.Image+" "+string(c.State))
	}
	is, err := e.Client().ImageList(ctx, client.ImageListOptions{All: true, Filters: f})
	if err != nil {
		return nil, nil, err
	}
	for _, i := range is.Items {
		images = append(images, i.ID+" "+firstOr(i.RepoTags, "<untagged>"))
	}
	return containers, images, nil
}

// RemoveLeftovers removes whatever Leftovers lists: the last line of
// defence of a run that failed between creating and removing.
func (e *Engine) RemoveLeftovers(ctx context.Context) error {
	f := client.Filters{}.Add("label", LabelRun+"="+e.RunID)
	cs, err := e.Client().ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return err
	}
	for _, c := range cs.Items {
		if _, err := e.Client().ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isNotFound(err) {
			return err
		}
	}
	is, err := e.Client().ImageList(ctx, client.ImageListOptions{All: true, Filters: f})
	if err != nil {
		return err
	}
	for _, i := range is.Items {
		if _, err := e.Client().ImageRemove(ctx, i.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

func firstOr(ss []string, def string) string {
	if len(ss) > 0 {
		return ss[0]
	}
	return def
}
