-- The language a ticket was opened in: the portal page's, the contact
-- form's, or an inbound mail's (its Content-Language, else its script).
-- Mail about the ticket is written in it when the requester has no account
-- language. NULL: the site's default.
ALTER TABLE tickets ADD COLUMN language TEXT;

-- The language of the contact form a request was sent from; it becomes the
-- ticket's when the request is confirmed.
ALTER TABLE contact_requests ADD COLUMN language TEXT;
