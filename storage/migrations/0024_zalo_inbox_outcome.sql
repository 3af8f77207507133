-- The Zalo inbox worker's outcome (issue 13): a handled row keeps why it failed, if it did, so
-- that an event the conversation could not handle is not retried forever and an operator can
-- see what went wrong. NULL on a handled row: handled. The body is emptied once handled.
ALTER TABLE zalo_inbox ADD COLUMN failure TEXT;
