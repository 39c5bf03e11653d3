DROP INDEX matters_search;
