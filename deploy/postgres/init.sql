-- One database per service: no service reads another's tables.
CREATE DATABASE gateway;
CREATE DATABASE cases;
CREATE DATABASE tasks;
CREATE DATABASE notify;
CREATE DATABASE sla;
