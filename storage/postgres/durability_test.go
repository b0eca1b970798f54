package postgres

import (
	"slices"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// TestIssueTokensCommitsAsynchronouslyAlone: IssueTokens' INSERT, outside
// a transaction, runs with synchronous_commit off, and nothing else does:
// not the next statement on the same connection (the setting is local to
// the INSERT's own transaction), not IssueTokens inside a transaction
// (which may also deactivate a code or revoke), not CreateToken,
// CreateTokens, DeactivateToken or a revocation. CreateFlow outside a
// transaction is relaxed too, TakeFlow (a flow's one use) is not. A trigger records
// current_setting('synchronous_commit') inside each writing transaction.
func TestIssueTokensCommitsAsynchronouslyAlone(t *testing.T) {
	ctx := t.Context()
	// One connection, so a setting that leaked past its transaction
	// would be seen by the statements that follow.
	s := openMigrated(t, WithPool(1, 1))
	db := s.DB()
	for _, q := range []string{
		`CREATE TABLE commit_settings (id BIGSERIAL PRIMARY KEY, op TEXT NOT NULL, signature TEXT NOT NULL, setting TEXT NOT NULL)`,
		`CREATE FUNCTION record_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO commit_settings (op, signature, setting) VALUES (TG_OP, NEW.signature, current_setting('synchronous_commit'));
			RETURN NEW;
		END $$`,
		`CREATE TRIGGER record_commit_setting AFTER INSERT OR UPDATE ON tokens FOR EACH ROW EXECUTE FUNCTION record_commit_setting()`,
		`CREATE FUNCTION record_flow_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO commit_settings (op, signature, setting) VALUES (TG_OP, 'flow ' || COALESCE(NEW.id, OLD.id), current_setting('synchronous_commit'));
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER record_flow_commit_setting AFTER INSERT OR DELETE ON flows FOR EACH ROW EXECUTE FUNCTION record_flow_commit_setting()`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tok := func(kind storage.TokenKind, sig string) storage.TokenRecord {
		now := time.Now()
		return storage.TokenRecord{Kind: kind, Signature: sig, Tenant: "main", RequestID: "req-" + sig, ClientID: "machine",
			Active: true, RequestedAt: now, ExpiresAt: now.Add(time.Hour), Data: []byte(`{}`)}
	}
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	must(s.IssueTokens(ctx, tok(storage.KindAccessToken, "cc-1")), "IssueTokens")
	must(s.CreateToken(ctx, tok(storage.KindAuthorizeCode, "code-1")), "CreateToken")
	must(s.IssueTokens(ctx, tok(storage.KindAccessToken, "cc-2")), "IssueTokens")
	must(s.CreateTokens(ctx, tok(storage.KindAccessToken, "at-1"), tok(storage.KindRefreshToken, "rt-1")), "CreateTokens")
	// An authorization code with its PKCE record, as /authorize issues them.
	must(s.IssueTokens(ctx, tok(storage.KindAuthorizeCode, "code-2"), tok(storage.KindPKCE, "code-2")), "IssueTokens of a code")

	// A code exchange's transaction: the code's one-time use and the new
	// tokens; IssueToken in it must not relax the commit.
	tx, err := s.BeginTx(ctx)
	must(err, "BeginTx")
	must(s.DeactivateToken(tx, "main", storage.KindAuthorizeCode, "code-1"), "DeactivateToken")
	must(s.IssueTokens(tx, tok(storage.KindAccessToken, "in-tx")), "IssueTokens in a transaction")
	must(s.Commit(tx), "Commit")

	// A flow starts relaxed; its one use (TakeFlow) and a flow created
	// inside a transaction commit synchronously.
	flow := func(id string) storage.Flow {
		now := time.Now()
		return storage.Flow{ID: id, Tenant: "main", Purpose: "login", Data: []byte(`{}`), CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	}
	must(s.CreateFlow(ctx, flow("f-1")), "CreateFlow")
	_, err = s.TakeFlow(ctx, "f-1", "login")
	must(err, "TakeFlow")
	tx, err = s.BeginTx(ctx)
	must(err, "BeginTx")
	must(s.CreateFlow(tx, flow("f-2")), "CreateFlow in a transaction")
	must(s.Commit(tx), "Commit")

	_, err = s.RevokeByClient(ctx, "main", "machine")
	must(err, "RevokeByClient")

	var after string
	must(db.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&after), "SHOW synchronous_commit")
	if after != "on" {
		t.Errorf("synchronous_commit after the writes = %q on the only connection, want on", after)
	}

	rows, err := db.QueryContext(ctx, `SELECT op, signature, setting FROM commit_settings ORDER BY id`)
	must(err, "read commit_settings")
	defer rows.Close()
	var got []string
	for rows.Next() {
		var op, sig, setting string
		must(rows.Scan(&op, &sig, &setting), "scan")
		got = append(got, op+" "+sig+" "+setting)
	}
	must(rows.Err(), "rows")
	// RevokeByClient deactivates the codes and tokens still active:
	// cc-1, cc-2, at-1, rt-1, code-2 and in-tx (code-1 is already used,
	// a PKCE record is no code or token); its order is the database's,
	// so compare the revocations as a set.
	want := []string{
		"INSERT cc-1 off",
		"INSERT code-1 on",
		"INSERT cc-2 off",
		"INSERT at-1 on",
		"INSERT rt-1 on",
		"INSERT code-2 off",
		"INSERT code-2 off",
		"UPDATE code-1 on",
		"INSERT in-tx on",
		"INSERT flow f-1 off",
		"DELETE flow f-1 on",
		"INSERT flow f-2 on",
	}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Fatalf("synchronous_commit per write:\n got %q\nwant %q (then the revocations)", got, want)
	}
	revoked := slices.Clone(got[len(want):])
	slices.Sort(revoked)
	if w := []string{"UPDATE at-1 on", "UPDATE cc-1 on", "UPDATE cc-2 on", "UPDATE code-2 on", "UPDATE in-tx on", "UPDATE rt-1 on"}; !slices.Equal(revoked, w) {
		t.Fatalf("revocations: got %q, want %q", revoked, w)
	}
}
