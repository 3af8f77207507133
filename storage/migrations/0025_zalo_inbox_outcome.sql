-- The Zalo inbox worker (issue 13).
-- failure: why a handled event could not be handled (an exception's type, "oa_not_connected"),
-- so that it is not retried forever and an operator can see it. NULL on a handled row: handled.
ALTER TABLE zalo_inbox ADD COLUMN failure TEXT;
-- target: what a typed reply was taken to mean, recorded before it is acted on: the payload of
-- the button it stands for ("4" typed at question 1 of response 7 is yk:a:7:0:4), or, for a
-- comment, yk:c:<response>:<question id>. A replay after a crash acts on the target, not on the
-- survey's state as the first attempt left it, so a typed "4" cannot answer the next question.
ALTER TABLE zalo_inbox ADD COLUMN target TEXT;
