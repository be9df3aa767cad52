"""Media (照片、视频): what organizers upload with an activity's info, checked, cleaned and stored by content.

:mod:`.inspection` decides what an upload is (by its bytes, never its name) and re-encodes photos
without their metadata; :mod:`.store` is the storage port, with :mod:`.files` (the data directory,
embedded mode) and :mod:`.s3` (S3-compatible object storage, production) as its adapters;
:mod:`.library` is what the routes and the info completion use.
"""
