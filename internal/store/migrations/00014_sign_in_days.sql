-- +goose Up
-- The sign-in dashboard (GET /api/v1/dashboard/users/activity) reads daily counts rather than the
-- records: a year of sign-ins is 365 rows by primary key, however many records there are. The audit
-- trail's writer adds each batch's sign-ins in the transaction that stores the batch
-- (audit.Service.store1, store.Audit.AddSignIns), so the counts never differ from the records.
--
-- audit_records.sign_in: what a sign-in attempt came to ('succeeded', 'failed'), NULL for every other
-- record (audit.SignIn says which is which).
ALTER TABLE audit_records ADD COLUMN sign_in TEXT;

-- Each UTC day's ('YYYY-MM-DD') sign-ins, and its users counted once in each column (uniqueLogin).
CREATE TABLE sign_in_days (
    day              TEXT PRIMARY KEY,
    successes        BIGINT NOT NULL DEFAULT 0,
    failures         BIGINT NOT NULL DEFAULT 0,
    unique_successes BIGINT NOT NULL DEFAULT 0,
    unique_failures  BIGINT NOT NULL DEFAULT 0
);
-- The users counted on each day, in each column: who is 'email:' and the address the record names or,
-- for a record naming none, the account's id (audit.SignInUser).
CREATE TABLE sign_in_user_days (
    day    TEXT NOT NULL,
    who    TEXT NOT NULL,
    failed BOOLEAN NOT NULL,
    PRIMARY KEY (day, who, failed)
);

-- Records from before this migration did not say what a sign-in came to; their operation and status
-- do, nearly: a password, code or mfa grant that answered 200 issued tokens (a first step is its own
-- operation); a password grant refused with 400 for an address, or an mfa grant refused with 400 for a
-- known user, had its credentials refused; the code page answered 303 to the right code and 401 to a
-- wrong one (its fifth wrong code, also a 303, counts as a success here: rare, and only in old records).
UPDATE audit_records SET sign_in = CASE
        WHEN path = '/api/oauth/token' AND operation IN ('signIn', 'signInSecondFactor') AND status = 200 THEN 'succeeded'
        WHEN path = '/api/oauth/token' AND operation = 'signIn' AND status = 400 AND user_email IS NOT NULL THEN 'failed'
        WHEN path = '/api/oauth/token' AND operation = 'signInSecondFactor' AND status = 400 AND user_id IS NOT NULL THEN 'failed'
        WHEN path = '/api/oauth/login/mfa' AND operation = 'signInSecondFactor' AND status = 303 THEN 'succeeded'
        WHEN path = '/api/oauth/login/mfa' AND operation = 'signInSecondFactor' AND status = 401 THEN 'failed'
    END
WHERE category = 'AUTH' AND operation IN ('signIn', 'signInSecondFactor');

-- The UTC day of a record: SQLite stores times as UTC text already (store/migrations.go reads
-- "AT TIME ZONE 'UTC'" out for it).
INSERT INTO sign_in_user_days (day, who, failed)
SELECT DISTINCT SUBSTR(CAST(occurred_at AT TIME ZONE 'UTC' AS TEXT), 1, 10),
    COALESCE('email:' || NULLIF(user_email, ''), CAST(user_id AS TEXT)), sign_in = 'failed'
FROM audit_records
WHERE sign_in IS NOT NULL AND (user_id IS NOT NULL OR (user_email IS NOT NULL AND user_email <> ''));

INSERT INTO sign_in_days (day, successes, failures)
SELECT SUBSTR(CAST(occurred_at AT TIME ZONE 'UTC' AS TEXT), 1, 10),
    SUM(CASE WHEN sign_in = 'succeeded' THEN 1 ELSE 0 END), SUM(CASE WHEN sign_in = 'failed' THEN 1 ELSE 0 END)
FROM audit_records WHERE sign_in IS NOT NULL
GROUP BY SUBSTR(CAST(occurred_at AT TIME ZONE 'UTC' AS TEXT), 1, 10);

UPDATE sign_in_days SET
    unique_successes = (SELECT COUNT(*) FROM sign_in_user_days u WHERE u.day = sign_in_days.day AND NOT u.failed),
    unique_failures = (SELECT COUNT(*) FROM sign_in_user_days u WHERE u.day = sign_in_days.day AND u.failed);

-- +goose Down
DROP TABLE sign_in_user_days;
DROP TABLE sign_in_days;
ALTER TABLE audit_records DROP COLUMN sign_in;
