-- The IVR path a call took (the interpreter's steps as JSON:
-- [{"t":...,"node":"welcome","out":"2"},...]), for the agent's screen pop
-- and for reports; NULL for calls that never reached an IVR.
ALTER TABLE calls ADD COLUMN ivr_path TEXT;
