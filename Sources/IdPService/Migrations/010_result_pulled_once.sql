-- An auth_code is good for one pull of its result (issue 27: it kept working after the result was
-- pulled). The pull sets this in a conditional UPDATE, so of any number of concurrent pulls with
-- the right code exactly one gets the result, on any instance.
ALTER TABLE idp.transactions ADD COLUMN result_pulled_at timestamptz;
