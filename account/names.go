package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/oidcp/oidcp/storage"
)

// namer gathers the persons and clients a list shows and looks their
// names up with one registry query and one read per client.
type namer struct {
	s       *Service
	tenant  string
	pids    map[string]string // pid → name
	clients map[string]storage.Client
}

func (s *Service) namer(tenant string) *namer {
	return &namer{s: s, tenant: tenant, pids: map[string]string{}, clients: map[string]storage.Client{}}
}

func (n *namer) person(pid string) {
	if pid != "" {
		n.pids[pid] = ""
	}
}

func (n *namer) client(id string) {
	if id != "" {
		n.clients[id] = storage.Client{}
	}
}

// resolve reads the names. A person the tenant's registry does not hold,
// or a client deleted since, keeps its id without a name.
func (n *namer) resolve(ctx context.Context) error {
	if reg := n.s.opts.Registries[n.tenant]; reg != "" && len(n.pids) > 0 {
		pids := make([]string, 0, len(n.pids))
		for p := range n.pids {
			pids = append(pids, p)
		}
		ps, err := n.s.store.GetPersons(ctx, reg, pids)
		if err != nil {
			return fmt.Errorf("account: names of persons: %w", err)
		}
		for _, p := range ps {
			n.pids[p.PID] = strings.TrimSpace(p.GivenName + " " + p.FamilyName)
		}
	}
	for id := range n.clients {
		c, err := n.s.store.GetClient(ctx, n.tenant, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("account: client %q: %w", id, err)
		}
		n.clients[id] = c
	}
	return nil
}

func (n *namer) personParty(pid string) Party { return Party{ID: pid, Name: n.pids[pid]} }

// clientParty is a tool with its names; Deleted when the client is
// gone (resolve found none).
func (n *namer) clientParty(id string) Party {
	c := n.clients[id]
	if id != "" && c.ID == "" {
		return Party{ID: id, Deleted: true}
	}
	return Party{ID: id, Name: c.Name, Names: c.Names}
}

// detailString reads one string field of an event's JSON detail.
func detailString(detail json.RawMessage, key string) string {
	if len(detail) == 0 {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(detail, &m) != nil {
		return ""
	}
	v, _ := m[key].(string)
	return v
}
